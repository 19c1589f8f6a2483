import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE, checkCwd, parseCli } from './cli-args.js';

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

  it('a URL of another scheme is a usage error naming --url (or FUTURES_REDIS_URL), never showing the password', () => {
    expect(parseCli(['--url', 'foo://x'], {}, '/')).toEqual({ kind: 'usage-error', message: '--url must be redis://…, rediss://… (TLS), unix://… or a Unix socket path, got a foo: URL' });
    expect(parseCli(['--url', 'queue:6379'], {}, '/')).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/^--url must be redis:\/\//) });
    expect(parseCli(['--url', 'redis:queue'], {}, '/')).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/^--url /) });
    const leaked = parseCli([], { FUTURES_REDIS_URL: 'http://:s3cret@queue' }, '/');
    expect(leaked).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/^FUTURES_REDIS_URL must be .* got a http: URL$/) });
    expect(JSON.stringify(leaked)).not.toContain('s3cret');
    for (const url of ['redis://q:6379/2', 'REDISS://q', 'unix:///run/r.sock?password=x', '/run/r.sock']) expect(parseCli(['--url', url], {}, '/')).toMatchObject({ kind: 'run', url });
  });

  it('checkCwd: a --cwd that is missing or not a directory is named', () => {
    expect(checkCwd(tmpdir())).toBeUndefined();
    expect(checkCwd('/nonexistent/dir')).toBe('--cwd /nonexistent/dir: no such directory');
    expect(checkCwd(fileURLToPath(import.meta.url))).toBe(`--cwd ${fileURLToPath(import.meta.url)} is not a directory`);
  });
});
