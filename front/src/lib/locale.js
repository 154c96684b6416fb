// The page's language and the territory's time zone, as the server states them
// (<html lang>, <meta name="timezone">: service/templates/base.html.j2), and the
// formatters every face writes figures and moments with.

// The locale a page's language writes figures and times in, as the server's Babel does
// (service/core/i18n.py): "en" alone would give US times (« 02:00 PM »).
const LOCALES = { fr: "fr-FR", en: "en-GB", es: "es-ES" };

export function intlLocale(lang) {
  return LOCALES[lang] ?? LOCALES.fr;
}

export const pageLang = () => document.documentElement.lang || "fr";

// The Lot's time, whatever the phone says.
export const pageZone = () => document.querySelector('meta[name="timezone"]')?.content || "Europe/Paris";

export function formatters(lang = pageLang(), zone = pageZone()) {
  const locale = intlLocale(lang);
  const dated = (options) => new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
  return {
    // « 3 déc. 2026, 16:25 »
    moment: dated({ dateStyle: "medium", timeStyle: "short" }),
    // « jeudi 3 décembre 2026 à 16:25 »
    fullMoment: dated({ dateStyle: "full", timeStyle: "short" }),
    time: dated({ hour: "2-digit", minute: "2-digit" }),
    // the territory's day as YYYY-MM-DD
    isoDay: (date) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(date),
    number: (value, options = {}) => new Intl.NumberFormat(locale, options).format(value),
  };
}
