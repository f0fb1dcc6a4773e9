import type { RedisAddress } from './redis-url';

/** Reconnection delays of a connection that gives up (ioredis' retryStrategy: milliseconds, or null to stop). */
function reconnectDelays(forMs: number) {
  return (times: number) => (times * 500 > forMs ? null : 500);
}

/**
 * BullMQ's connection options for an address (ioredis options; BullMQ loads ioredis itself).
 * Workers reconnect for ever (the default); with `reconnectFor`, the connection stops trying after
 * about that long, so that a command whose Redis went away can report it and exit.
 */
export function bullmqConnection(address: RedisAddress, options: { readonly reconnectFor?: number } = {}) {
  return {
    host: address.host,
    port: address.port,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.db === undefined ? {} : { db: address.db }),
    // Workers block on Redis and must retry for ever (BullMQ requires it); the coordinator bounds its own waits.
    maxRetriesPerRequest: null,
    ...(options.reconnectFor === undefined ? {} : { retryStrategy: reconnectDelays(options.reconnectFor) }),
  };
}
