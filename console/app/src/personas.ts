/**
 * The demo personas' names and descriptions in the console's language. The server sends them in English
 * (src/demo-personas.ts); the console knows its six personas by id, and shows the server's words for any other.
 */
import { codeName } from './i18n/index.js';

export const personaLabel = (id: string | null | undefined, fallback: string): string => (id ? codeName('persona', `${id}.label`, fallback) : fallback);

export const personaDescription = (id: string, fallback: string): string => codeName('persona', `${id}.description`, fallback);
