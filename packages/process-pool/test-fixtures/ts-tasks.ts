// A task module written in TypeScript: children can import it only through the parent's loader.
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
    return process.pid;
  },
});
