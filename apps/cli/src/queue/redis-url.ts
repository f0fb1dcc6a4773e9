import { errors } from '@cdm/core';

/** Where Redis is, as `--queue redis://[user:password@]host[:port][/db]` says. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  /** The URL without its password, for messages. */
  readonly display: string;
}

/** Parses a `redis://` URL; anything else is an invalid-argument error naming `flag`. */
export function parseRedisUrl(flag: string, value: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidArgument(flag, 'a Redis URL such as redis://127.0.0.1:6379', value);
  }
  if (url.protocol !== 'redis:' || url.hostname === '') throw errors.invalidArgument(flag, 'a Redis URL such as redis://127.0.0.1:6379', value);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw errors.invalidArgument(`${flag} (database)`, 'a database number after the port, e.g. redis://host:6379/0', dbText);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(dbText === '' ? {} : { db: Number(dbText) }),
    display: `redis://${url.hostname}:${port}${dbText === '' ? '' : `/${dbText}`}`,
  };
}
