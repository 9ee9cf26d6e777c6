// Filled by the conv op group.
export {};
