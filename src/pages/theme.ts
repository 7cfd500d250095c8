/**
 * The accent colour (`ACCENT_COLOR`) made readable in both colour schemes:
 * darkened for the light scheme and lightened for the dark one until text
 * in it reaches 4.5:1 against the page (WCAG 2.2 AA, 1.4.3), with the text
 * on accent-filled buttons in black or white, whichever reads better.
 */

/**
 * The page colours (`styles.ts`): each scheme's background and the cards on it. The
 * accent is checked against the one it contrasts with least.
 */
export const SURFACES = { light: { page: "#f3f4f6", card: "#ffffff" }, dark: { page: "#0f1115", card: "#171a21" } } as const;

/** Contrast that text needs (WCAG 2.2 AA, normal text). */
const TEXT_CONTRAST = 4.5;

export interface AccentPalette {
  /** Links, focus rings and button fills. */
  accent: string;
  /** Text on an accent fill. */
  onAccent: string;
}

/**
 * The accent for each scheme.
 *
 * @example
 * ```ts
 * accentPalettes("#2563eb").dark.accent; // a lighter blue
 * ```
 */
export function accentPalettes(accent: string): { light: AccentPalette; dark: AccentPalette } {
  return { light: readableOn(accent, SURFACES.light.page, "#000000"), dark: readableOn(accent, SURFACES.dark.card, "#ffffff") };
}

/** `colour` mixed toward `toward` in steps of 5% until it reads on `surface`. */
function readableOn(colour: string, surface: string, toward: string): AccentPalette {
  let accent = colour;
  for (let step = 1; contrast(accent, surface) < TEXT_CONTRAST && step <= 20; step += 1) accent = mix(colour, toward, step / 20);
  const onAccent = contrast("#ffffff", accent) >= contrast("#000000", accent) ? "#ffffff" : "#000000";
  return { accent, onAccent };
}

/** The contrast ratio of two `#rrggbb` colours (WCAG 2.2). */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

function luminance(colour: string): number {
  const [r, g, b] = channels(colour).map((value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function mix(from: string, to: string, amount: number): string {
  const a = channels(from);
  const b = channels(to);
  return `#${a
    .map((value, i) =>
      Math.round(value + ((b[i] ?? 0) - value) * amount)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

function channels(colour: string): number[] {
  return [1, 3, 5].map((start) => Number.parseInt(colour.slice(start, start + 2), 16));
}
