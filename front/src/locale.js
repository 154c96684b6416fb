// The locale a page's language writes figures and times in, as the server's Babel does
// (service/core/i18n.py): "en" alone would give US times (« 02:00 PM »).
const LOCALES = { fr: "fr-FR", en: "en-GB", es: "es-ES" };

export function intlLocale(lang) {
  return LOCALES[lang] ?? LOCALES.fr;
}
