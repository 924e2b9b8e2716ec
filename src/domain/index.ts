export * from './money';
export * from './holders';
export * from './refusal';
export * from './dates';
export * from './events';
export * from './commands';
export * from './fund';
export * from './registry';
