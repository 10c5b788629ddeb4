import { type CSSVariablesResolver, createTheme } from '@mantine/core';

/**
 * Mantine's defaults, darker where they miss WCAG AA contrast on white: the primary shade
 * (buttons, links), dimmed text and error text.
 */
export const theme = createTheme({ primaryShade: { light: 8, dark: 8 } });

export const cssVariablesResolver: CSSVariablesResolver = (current) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': current.colors.gray[7],
    '--mantine-color-error': current.colors.red[9],
  },
  dark: {},
});
