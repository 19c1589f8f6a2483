import { describe, expect, it } from 'vitest';
import { SocketConnectionError } from './errors.js';
import { EXIT, exitCodeFor, parseCli, USAGE } from './cli-args.js';

const env = { FUTURES_TOKEN: 'secret' };

describe('futures-worker arguments', () => {
  it('reads --connect, --name, the token and the spawn id', () => {
    expect(parseCli(['--connect', '/tmp/x.sock'], env)).toEqual({ kind: 'run', path: '/tmp/x.sock', name: undefined, token: 'secret', workerId: undefined });
    expect(parseCli(['--connect=/tmp/x.sock', '--name', 'w1'], { ...env, FUTURES_WORKER_ID: 'abc' })).toEqual({
      kind: 'run',
      path: '/tmp/x.sock',
      name: 'w1',
      token: 'secret',
      workerId: 'abc',
    });
  });

  it('--help and -h win over everything else', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['--connect', 'x', '-h'], {})).toEqual({ kind: 'help' });
    expect(USAGE).toMatch(/--connect PATH/);
    expect(USAGE).toMatch(/FUTURES_TOKEN/);
  });

  it('is a usage error without --connect, with unknown options or positionals, or without a token', () => {
    expect(parseCli([], env)).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/--connect/) });
    expect(parseCli(['--connect'], env)).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['--connect', 'x', '--verbose'], env)).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/verbose/) });
    expect(parseCli(['--connect', 'x', 'extra'], env)).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['--connect', 'x'], {})).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/FUTURES_TOKEN/) });
    expect(parseCli(['--connect', 'x'], { FUTURES_TOKEN: '' })).toMatchObject({ kind: 'usage-error' });
  });
});

describe('futures-worker exit codes', () => {
  it('are distinct for each reason to stop', () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });

  it('say refused for a wrong token, another version or a refusal; cannot connect for the rest of the handshake', () => {
    const e = (code: ConstructorParameters<typeof SocketConnectionError>[1]) => new SocketConnectionError('x', code);
    expect(exitCodeFor(e('ERR_SOCKET_AUTH'))).toBe(EXIT.REFUSED);
    expect(exitCodeFor(e('ERR_SOCKET_VERSION'))).toBe(EXIT.REFUSED);
    expect(exitCodeFor(e('ERR_SOCKET_REFUSED'))).toBe(EXIT.REFUSED);
    expect(exitCodeFor(e('ERR_SOCKET_CONNECT'))).toBe(EXIT.CANNOT_CONNECT);
    expect(exitCodeFor(e('ERR_SOCKET_PROTOCOL'))).toBe(EXIT.CANNOT_CONNECT);
    expect(exitCodeFor(e('ERR_SOCKET_TIMEOUT'))).toBe(EXIT.CANNOT_CONNECT);
    expect(exitCodeFor(e('ERR_SOCKET_CLOSED'))).toBe(EXIT.CANNOT_CONNECT);
    expect(exitCodeFor(e('ERR_SOCKET_FRAME'))).toBe(EXIT.PROTOCOL);
    expect(exitCodeFor(new Error('bug'))).toBe(EXIT.INTERNAL);
    expect(exitCodeFor(undefined)).toBe(EXIT.INTERNAL);
  });
});
