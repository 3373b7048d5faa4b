/** What every page shares: who is signed in, the unit tree, and the hash route. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { UnitTree } from '../../shared/domain/units.ts';
import type { Me, UnitItem } from './api.ts';

export interface Profile {
  readonly me: Me;
  readonly units: UnitTree;
  readonly unitList: readonly UnitItem[];
  /** The volunteers the user may dispatch to (their subtree's), by username. */
  readonly volunteers: readonly { readonly username: string; readonly displayName: string }[];
  /** Loads the user and the unit tree again (after a unit import). */
  readonly refresh: () => Promise<void>;
}

export const ProfileContext = createContext<Profile | undefined>(undefined);

export function useProfile(): Profile {
  const profile = useContext(ProfileContext);
  if (!profile) throw new Error('useProfile outside a signed-in page');
  return profile;
}

export interface Route {
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const update = () => setRoute(parse(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function href(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => !!e[1]));
  const qs = params.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export const navigate = (target: string) => {
  location.hash = target;
};
