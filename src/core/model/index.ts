// The trainer's public API (method.md §6): model kinds, weight layout, options, scaler, model, training, scoring.
export * from './kinds.js';
export * from './layout.js';
export * from './options.js';
export * from './scaler.js';
export * from './model.js';
export * from './training-set.js';
export * from './sgd.js';
export * from './score.js';
export * from './synthetic-table.js';
