/**
 * Accounts for the functions that change them on a rare path (directory, volunteers): the
 * module and its Cognito client load at the first change, not at a cold start. Its own module,
 * so that functions which never change accounts carry none of it.
 */
import type { Accounts } from './accounts.ts';
import { directory } from './runtime.ts';

let accounts: Promise<Accounts> | undefined;

export const accountsOnFirstUse = (): Promise<Accounts> => (accounts ??= import('./accounts.ts').then((m) => m.accountsFromEnv(directory)));
