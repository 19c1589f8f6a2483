// A plain module that knows nothing about @futures: tasksFrom takes its exports as tasks.
export function add(a, b) {
  return a + b;
}

export async function shout(text) {
  return `${String(text).toUpperCase()}!`;
}

export const notAFunction = 42;

export default function whoAmI() {
  return 'default';
}
