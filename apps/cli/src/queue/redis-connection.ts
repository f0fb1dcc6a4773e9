import type { RedisAddress } from './redis-url';

/** BullMQ's connection options for an address (ioredis options; BullMQ loads ioredis itself). */
export function bullmqConnection(address: RedisAddress) {
  return {
    host: address.host,
    port: address.port,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.db === undefined ? {} : { db: address.db }),
    // Workers block on Redis and must retry for ever (BullMQ requires it); the coordinator bounds its own waits.
    maxRetriesPerRequest: null,
  };
}
