import { connect } from 'node:net';
import type { RedisAddress } from './redis-url';
import { queueErrors } from './queue-errors';

/** How long `probeRedis` waits for a reply before calling Redis unreachable. */
export const REDIS_PROBE_TIMEOUT_MS = 3000;

/**
 * Checks that something answers Redis' PING at `address` within `timeoutMs`, over a plain socket,
 * so that an unreachable Redis is one clear error instead of a client retrying forever. Any Redis
 * reply counts (an authentication error is reported later by the client, with its own message).
 */
export function probeRedis(address: RedisAddress, timeoutMs = REDIS_PROBE_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const fail = (reason: string) => {
      socket.destroy();
      reject(queueErrors.redisUnreachable(address.display, reason));
    };
    socket.setTimeout(timeoutMs, () => fail(`no reply within ${timeoutMs / 1000} s`));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      // RESP replies start with a type byte: +PONG, or -NOAUTH/-ERR from a server that wants a password.
      if (data[0] === 0x2b || data[0] === 0x2d) resolve();
      else reject(queueErrors.redisUnreachable(address.display, 'the server there does not speak the Redis protocol'));
    });
  });
}
