import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { nb } from './locales/nb';

export const languages = ['nb', 'en'] as const;
export type Language = (typeof languages)[number];

const stored = localStorage.getItem('pm.language');
export const initialLanguage: Language = stored === 'en' ? 'en' : 'nb';

void i18next.use(initReactI18next).init({
  resources: { nb: { translation: nb }, en: { translation: en } },
  lng: initialLanguage,
  fallbackLng: 'nb',
  interpolation: { escapeValue: false },
});

export function setLanguage(language: Language) {
  localStorage.setItem('pm.language', language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export { i18next };
