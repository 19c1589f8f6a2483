// Deliberately not valid JavaScript: a worker that imports it fails with a SyntaxError.
export const broken = ;
