// Swedish by default, English too: every text is in sv.json and en.json (a test checks
// both have the same keys). The choice is kept in localStorage; signed in, the profile's
// `locale` wins and a switch is saved to it (PATCH /api/me).
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import accountEn from "./account.en.json";
import accountSv from "./account.sv.json";
import en from "./en.json";
import exchangeEn from "./exchange.en.json";
import exchangeSv from "./exchange.sv.json";
import projectsEn from "./projects.en.json";
import projectsSv from "./projects.sv.json";
import scheduleEn from "./schedule.en.json";
import scheduleSv from "./schedule.sv.json";
import sv from "./sv.json";
import supportEn from "./support.en.json";
import supportSv from "./support.sv.json";

export const LANGUAGES = ["sv", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "casai.language";

export function isLanguage(value: unknown): value is Language {
  return value === "sv" || value === "en";
}

function storedLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : "sv";
  } catch {
    return "sv";
  }
}

export function rememberLanguage(language: Language): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "sv";
}

void i18n.use(initReactI18next).init({
  // Areas keep their texts in files of their own: support, admin and account merged in
  // as top-level keys; projects, the schedule editor and its panels (exchange) as
  // namespaces of their own.
  resources: {
    sv: {
      translation: { ...sv, ...supportSv, account: accountSv },
      projects: projectsSv,
      exchange: exchangeSv,
      schedule: scheduleSv,
    },
    en: {
      translation: { ...en, ...supportEn, account: accountEn },
      projects: projectsEn,
      exchange: exchangeEn,
      schedule: scheduleEn,
    },
  },
  lng: storedLanguage(),
  fallbackLng: "sv",
  supportedLngs: LANGUAGES,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

document.documentElement.lang = i18n.language;
i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});

export default i18n;
