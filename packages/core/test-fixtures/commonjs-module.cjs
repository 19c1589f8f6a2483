// module.exports set to an object: import() sees no named exports, only default.
module.exports = { five: (x) => 5 * x, notAFunction: 1 };
