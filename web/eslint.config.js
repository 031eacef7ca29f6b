// ESLint flat config: typescript-eslint's type-checked rules and React's hooks rules.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "build", "node_modules", "src/api/schema.d.ts"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // A money value is a decimal.js Decimal or a string, never a JS number: no
      // parseFloat/Number() on API money or quantities (review keeps the rest).
      "no-restricted-globals": ["error", { name: "parseFloat", message: "Use decimal.js." }],
      // AG Grid Community (MIT) only: any other AG Grid package is a paid licence the
      // product does not hold.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "ag-grid-*",
                "!ag-grid-community",
                "!ag-grid-community/*",
                "!ag-grid-react",
                "@ag-grid-*/*",
                "!@ag-grid-community/*",
              ],
              message: "AG Grid Community only (MIT).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["eslint.config.js"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
