import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSocketPath, createDefaultSocketLocation, MAX_SOCKET_PATH_BYTES, removeSocketLocation } from './socket-path.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'futures-path-test-'));
  made.push(dir);
  return dir;
}

describe('default socket location', () => {
  it('is a fresh 0700 directory in the OS temp dir when XDG_RUNTIME_DIR is not set', () => {
    const a = createDefaultSocketLocation({});
    const b = createDefaultSocketLocation({});
    made.push(a.dir!, b.dir!);
    expect(dirname(a.dir!)).toBe(tmpdir());
    expect(a.dir).not.toBe(b.dir);
    expect(a.path).toBe(join(a.dir!, 'executor.sock'));
    expect(statSync(a.dir!).mode & 0o777).toBe(0o700);
  });

  it('lives under XDG_RUNTIME_DIR when it is set', () => {
    const runtime = scratch();
    const location = createDefaultSocketLocation({ XDG_RUNTIME_DIR: runtime });
    expect(dirname(location.dir!)).toBe(runtime);
    expect(statSync(location.dir!).mode & 0o777).toBe(0o700);
  });

  it('falls back to the temp dir when XDG_RUNTIME_DIR does not exist', () => {
    const location = createDefaultSocketLocation({ XDG_RUNTIME_DIR: join(scratch(), 'missing') });
    made.push(location.dir!);
    expect(dirname(location.dir!)).toBe(tmpdir());
  });

  it('refuses a base directory whose socket path would be too long, leaving nothing behind', () => {
    const deep = join(scratch(), 'd'.repeat(MAX_SOCKET_PATH_BYTES));
    mkdirSync(deep);
    expect(() => createDefaultSocketLocation({ XDG_RUNTIME_DIR: deep })).toThrow(/longer than/);
  });

  it('is removed with its socket file, and removing twice is harmless', () => {
    const location = createDefaultSocketLocation({});
    writeFileSync(location.path, '');
    removeSocketLocation(location);
    expect(existsSync(location.path)).toBe(false);
    expect(existsSync(location.dir!)).toBe(false);
    removeSocketLocation(location);
  });
});

describe('a path chosen by the user', () => {
  it('is made absolute and has no directory of ours', () => {
    const dir = scratch();
    const location = checkSocketPath(join(dir, 'mine.sock'), 'X');
    expect(location).toEqual({ path: join(dir, 'mine.sock') });
  });

  it('is refused when it exists, when its directory does not, when it is too long or empty', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'taken.sock'), '');
    expect(() => checkSocketPath(join(dir, 'taken.sock'), 'X')).toThrow(/X: path .* already exists/);
    expect(() => checkSocketPath(join(dir, 'no', 'such.sock'), 'X')).toThrow(/directory .* does not exist/);
    expect(() => checkSocketPath(join(dir, 'x'.repeat(120)), 'X')).toThrow(RangeError);
    expect(() => checkSocketPath('', 'X')).toThrow(/must not be empty/);
  });

  it('is removed on its own: its directory is the user\'s', () => {
    const dir = scratch();
    const location = checkSocketPath(join(dir, 'mine.sock'), 'X');
    writeFileSync(location.path, '');
    removeSocketLocation(location);
    expect(existsSync(location.path)).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });
});
