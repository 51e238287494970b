// ESLint flat config: recommended JavaScript and typescript-eslint rules for the TypeScript
// sources, tests and benchmarks. Generated and vendored code is ignored. In src/, TypeORM
// internals (deep `typeorm/...` paths) may be imported only by the TypeORM seam, src/typeorm/.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", "dist/", "native/", "bench/results/", "bench/.work/", "data/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/typeorm/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["typeorm/*"],
              message:
                'TypeORM internals are reached only through the seam: import from "typeorm" or from src/typeorm (add the reach there, with its note).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // chai's property assertions (`expect(x).to.be.true`) read as unused expressions.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
