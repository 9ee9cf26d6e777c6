// Filled by the linalg op group.
export {};
