#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// glibc.malloc.hugetlb=1 asks glibc to back large allocations (the typed arrays of the state and the packed
// training rows) with transparent huge pages: the SGD step's random row reads are TLB-bound, and this made
// MTL training ~20% faster (bench/sgd.ts "huge pages" lines). glibc ignores the tunable where unsupported.
import { run } from './main.js';
import { processIo } from './io.js';

process.exitCode = await run(process.argv.slice(2), processIo());
