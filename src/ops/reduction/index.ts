// Filled by the reduction op group.
export {};
