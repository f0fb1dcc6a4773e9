import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url';

describe('parseRedisUrl', () => {
  it('reads host, port, credentials and database, and hides the password in messages', () => {
    expect(parseRedisUrl('--queue', 'redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, display: 'redis://127.0.0.1:6380' });
    expect(parseRedisUrl('--queue', 'redis://u:p%40ss@redis.local/2')).toEqual({ host: 'redis.local', port: 6379, username: 'u', password: 'p@ss', db: 2, display: 'redis://redis.local:6379/2' });
  });

  it('names the flag for anything else', () => {
    expect(() => parseRedisUrl('--queue', 'localhost:6379')).toThrow('Invalid --queue: expected a Redis URL such as redis://127.0.0.1:6379, got "localhost:6379" [CDM_INVALID_ARGUMENT]');
    expect(() => parseRedisUrl('--queue', 'redis://h:1/x')).toThrow('Invalid --queue (database)');
  });
});
