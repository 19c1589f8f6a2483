// A task module written in TypeScript: workers can import it only through the parent's loader.
import { threadId } from 'node:worker_threads';
import { defineTasks } from '@futures/core';

interface Point {
  x: number;
  y: number;
}

export const { norm, where } = defineTasks(import.meta.url, {
  norm(p: Point): number {
    return Math.hypot(p.x, p.y);
  },
  where(): number {
    return threadId;
  },
});
