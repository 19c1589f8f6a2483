/**
 * The acorn parse as a task for our executors (workers import this module
 * by URL). A module of its own, so the other bench tasks do not load acorn.
 */
import * as core from '@futures/core';
import { parseSource } from './acorn-parse.js';

type DefineTasks = <T extends Record<string, (...args: any[]) => unknown>>(moduleUrl: string, fns: T) => T;

// As in tasks.ts: read through the namespace so the bench can report n/a while @futures/core is unbuilt.
const defineTasks = (core as unknown as { defineTasks?: DefineTasks }).defineTasks;
if (typeof defineTasks !== 'function') {
  throw new Error('@futures/core does not export defineTasks (is it built?)');
}

export const { parse } = defineTasks(import.meta.url, {
  parse(source: string): number {
    return parseSource(source);
  },
});
