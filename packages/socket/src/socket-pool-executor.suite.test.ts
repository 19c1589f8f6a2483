// The shared executor suite (packages/executor-tests) against SocketPoolExecutor, with workers it spawns.
// The tests import the built package, as users do: its worker command is dist/cli.js.
import { describeExecutorSuite } from '@futures/executor-tests';
import { SocketPoolExecutor, BrokenSocketPoolError } from '@futures/socket';

describeExecutorSuite('SocketPoolExecutor', {
  create: (options) => new SocketPoolExecutor(options),
  pool: true,
  module: ['@futures/socket', 'SocketPoolExecutor'],
  realWorkers: true,
  brokenError: BrokenSocketPoolError,
  childProcesses: true,
});
