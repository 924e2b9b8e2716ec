export * from './policy';
export * from './refusal';
export * from './fifo-lots';
export * from './deferrals';
export * from './evaluate';
export * from './alert-lifecycle';
export * from './delivery';
export * from './messages';
