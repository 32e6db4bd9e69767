// gotracesim: the package entry.
export * from './core/index.ts';
