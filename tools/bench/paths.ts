// Where the repository is, for files the bench reads and tools it runs.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
