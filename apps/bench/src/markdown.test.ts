import { describe, expect, it } from 'vitest';
import { END, START, replaceBetweenMarkers } from './markdown.js';

describe('replaceBetweenMarkers', () => {
  it('replaces only the text between the markers', () => {
    const readme = `# T\n\n${START}\nold table\n${END}\n\nafter\n`;
    expect(replaceBetweenMarkers(readme, '| new |\n')).toBe(`# T\n\n${START}\n| new |\n${END}\n\nafter\n`);
  });

  it('returns undefined when a marker is missing', () => {
    expect(replaceBetweenMarkers(`# T\n${START}\n`, 'x')).toBeUndefined();
    expect(replaceBetweenMarkers(`# T\n${END}\n${START}\n`, 'x')).toBeUndefined();
  });
});
