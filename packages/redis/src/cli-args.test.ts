import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { USAGE, parseCli } from './cli-args.js';

describe('futures-redis-worker arguments', () => {
  const env = { FUTURES_REDIS_URL: 'redis://:pw@queue:6379' };

  it('takes the URL from FUTURES_REDIS_URL and defaults the rest', () => {
    expect(parseCli([], env, '/srv/app')).toEqual({
      kind: 'run',
      url: 'redis://:pw@queue:6379',
      pool: 'default',
      workers: availableParallelism(),
      name: undefined,
      cwd: '/srv/app',
      prefix: 'futures',
      token: undefined,
    });
  });

  it('reads every option, and the token from FUTURES_TOKEN', () => {
    const args = ['--url', '/run/redis.sock', '--pool', 'images', '--workers', '8', '--name', 'gpu-1', '--cwd', '/opt/app', '--prefix', 'jobs'];
    expect(parseCli(args, { FUTURES_TOKEN: 's3cret' }, '/')).toEqual({
      kind: 'run',
      url: '/run/redis.sock',
      pool: 'images',
      workers: 8,
      name: 'gpu-1',
      cwd: '/opt/app',
      prefix: 'jobs',
      token: 's3cret',
    });
  });

  it('--help wins, and the usage names every option and exit code', () => {
    expect(parseCli(['--help', '--bogus'], {}, '/')).toEqual({ kind: 'help' });
    expect(parseCli(['-h'], {}, '/')).toEqual({ kind: 'help' });
    for (const word of ['--url', '--pool', '--workers', '--name', '--cwd', 'FUTURES_TOKEN', 'FUTURES_REDIS_URL', '3  Redis refused']) expect(USAGE).toContain(word);
  });

  it('reports bad arguments as usage errors that say what is wrong', () => {
    expect(parseCli([], {}, '/')).toEqual({ kind: 'usage-error', message: 'no Redis URL: pass --url URL or set FUTURES_REDIS_URL' });
    expect(parseCli(['--workers', '0'], env, '/')).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/--workers must be an integer from 1 to 1024, got '0'/) });
    expect(parseCli(['--workers', 'two'], env, '/')).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/--workers/) });
    expect(parseCli(['--pool', ''], env, '/')).toMatchObject({ kind: 'usage-error', message: '--pool must not be empty' });
    expect(parseCli(['--conect', 'x'], env, '/')).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/conect/) });
    expect(parseCli(['extra'], env, '/')).toMatchObject({ kind: 'usage-error' });
  });
});
