// Filled by the shape op group.
export {};
