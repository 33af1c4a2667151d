// English courtesy translations, keyed by the Chinese text. Missing entries stay in Chinese.
export const EN = {};
