/**
 * Where a message to a person goes. Locally (and in AWS until an SMS or
 * WeChat provider is configured) the outbox is the delivery: each message is
 * printed to the console and listed at GET /v1/outbox.
 */
export interface Address {
  readonly name: string;
  readonly phone?: string;
  readonly openId?: string;
}

export interface Channel {
  readonly name: string;
  /** The address this channel would use, or undefined when it cannot reach the person. */
  addressOf(to: Address): string | undefined;
  /** Throws when the provider refuses: the notify message is then retried and ends in the DLQ. */
  send(to: Address, text: string): Promise<void>;
}

export class ConsoleChannel implements Channel {
  readonly name = 'console';
  addressOf(to: Address): string | undefined {
    return to.phone ?? (to.openId && `wechat:${to.openId}`);
  }
  async send(to: Address, text: string): Promise<void> {
    console.log(`[outbox] → ${to.name} ${this.addressOf(to) ?? ''}: ${text}`);
  }
}
