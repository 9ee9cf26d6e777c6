// Filled by the random op group.
export {};
