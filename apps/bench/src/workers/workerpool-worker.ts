/** Worker script for workerpool (thread and process modes): registers the peer tasks by name. */
import workerpool from 'workerpool';
import { echo, echoChunk, fib, noop, parse } from './peer-tasks.js';

workerpool.worker({ noop, fib, echo, echoChunk, parse });
