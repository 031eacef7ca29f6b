// The Mantine theme. Mantine's own CSS files carry the default theme's variables, and
// the provider is told not to write <style> elements (the CSP allows no inline style):
// a change of colours or sizes goes into src/app.css as CSS variables, not here.
import { createTheme } from "@mantine/core";

export const theme = createTheme({
  // A ring on whatever the keyboard focuses (:focus-visible), never hidden.
  focusRing: "auto",
  // No animations for people who ask their system for reduced motion.
  respectReducedMotion: true,
  primaryColor: "blue",
  primaryShade: 8, // white text on blue-8 passes WCAG AA contrast
  defaultRadius: "sm",
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
});
