// How many threads the page asks of the threaded CPU module (www/js/cpu-threads.js), in Node:
// the rules alone, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CPU_THREADS, cpuThreads } from '../../www/js/cpu-threads.js';

test('threads follow the cores on an isolated page, capped, and ?cpuThreads=N overrides', () => {
  assert.equal(cpuThreads({ search: '', cores: 2, isolated: true }), 2);
  assert.equal(cpuThreads({ search: '', cores: 64, isolated: true }), MAX_CPU_THREADS);
  assert.equal(cpuThreads({ search: '', cores: undefined, isolated: true }), 1);
  assert.equal(cpuThreads({ search: '?cpuThreads=3', cores: 2, isolated: true }), 3);
  assert.equal(cpuThreads({ search: '?cpuThreads=1', cores: 8, isolated: true }), 1);
  assert.equal(cpuThreads({ search: '?cpuThreads=0', cores: 8, isolated: true }), 1);
  assert.equal(cpuThreads({ search: '?cpuThreads=999', cores: 8, isolated: true }), MAX_CPU_THREADS);
  assert.equal(cpuThreads({ search: '?cpuThreads=two', cores: 4, isolated: true }), 4, 'not a number: the cores');
});

test('one thread without cross-origin isolation, or when a pool of workers is asked for', () => {
  assert.equal(cpuThreads({ search: '', cores: 8, isolated: false }), 1);
  assert.equal(cpuThreads({ search: '?cpuThreads=4', cores: 8, isolated: false }), 1);
  assert.equal(cpuThreads({ search: '?cpuWorkers=2', cores: 8, isolated: true }), 1);
});
