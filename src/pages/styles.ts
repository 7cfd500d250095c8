/**
 * The pages' stylesheet: one inline `<style>` with the request's nonce (no
 * `unsafe-inline`), light and dark following the system, every colour pair
 * at 4.5:1 or more for text and 3:1 for borders and focus rings (WCAG 2.2 AA).
 */
import { accentPalettes, SURFACES } from "./theme";

/**
 * The CSS for an accent colour (`#rrggbb`).
 *
 * @example
 * ```ts
 * <style nonce={nonce}>{raw(stylesFor(config.accentColor))}</style>
 * ```
 */
export function stylesFor(accentColor: string): string {
  const { light, dark } = accentPalettes(accentColor);
  return `
:root{color-scheme:light dark;--bg:${SURFACES.light.page};--surface:${SURFACES.light.card};--text:#111827;--muted:#4b5563;--line:#d1d5db;--field:#6b7280;
--accent:${light.accent};--on-accent:${light.onAccent};--danger:#b42318;--danger-bg:#fef3f2;--ok:#067647;--ok-bg:#ecfdf3;--badge:#e5e7eb}
@media (prefers-color-scheme:dark){:root{--bg:${SURFACES.dark.page};--surface:${SURFACES.dark.card};--text:#e5e7eb;--muted:#a8b0bb;--line:#374151;--field:#8b95a3;
--accent:${dark.accent};--on-accent:${dark.onAccent};--danger:#fda29b;--danger-bg:#3b1512;--ok:#75e0a7;--ok-bg:#0f2a1d;--badge:#2b303b}}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent);text-underline-offset:.15em}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.site{max-width:26rem;margin:0 auto;padding:1.25rem 1rem 0;display:flex;align-items:center;gap:.5rem;font-weight:600}
.site::before{content:"";width:.9rem;height:.9rem;border-radius:.25rem;background:var(--accent)}
main{max-width:26rem;margin:1.5rem auto 3rem;padding:0 1rem}
.wide .site,.wide main{max-width:46rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
p{margin:0 0 1rem}
.card{background:var(--surface);border:1px solid var(--line);border-radius:.75rem;padding:1.5rem;margin:0 0 1.25rem}
.card>:last-child{margin-bottom:0}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .3rem}
.hint{color:var(--muted);font-size:.9rem;margin:.25rem 0 0}
input[type=email],input[type=password],input[type=text]{width:100%;min-height:2.75rem;padding:.5rem .75rem;font:inherit;color:inherit;
background:var(--surface);border:1px solid var(--field);border-radius:.5rem}
input[aria-invalid=true]{border:2px solid var(--danger)}
.check{display:flex;gap:.5rem;align-items:center;margin:0 0 1rem}
.check input{width:1.25rem;height:1.25rem;accent-color:var(--accent)}
.check label{margin:0;font-weight:400}
button{min-height:2.75rem;padding:.5rem 1.1rem;font:inherit;font-weight:600;border-radius:.5rem;cursor:pointer;
border:1px solid var(--accent);background:var(--accent);color:var(--on-accent)}
button.secondary{background:transparent;color:var(--accent)}
button.danger{background:transparent;border-color:var(--danger);color:var(--danger)}
button:disabled{opacity:.7;cursor:progress}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
.alert{border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid var(--danger);background:var(--danger-bg);color:var(--text)}
.alert strong{color:var(--danger)}
.notice{border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid var(--ok);background:var(--ok-bg)}
.links{color:var(--muted);font-size:.95rem}
.links a{color:var(--accent)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.qr{width:12rem;max-width:100%;margin:.5rem 0 1rem}
.qr svg{display:block;width:100%;height:auto}
ul.codes{display:grid;grid-template-columns:repeat(2,max-content);gap:.3rem 1.5rem;padding:0;list-style:none}
.badge{display:inline-block;font-size:.8rem;font-weight:600;padding:.05rem .5rem;border-radius:1rem;background:var(--badge);color:var(--text);margin-left:.4rem}
.badge.ok{background:var(--ok-bg);color:var(--ok);border:1px solid var(--ok)}
ul.sessions,ul.passkeys{list-style:none;margin:0 0 1rem;padding:0}
ul.sessions li,ul.passkeys li{border-top:1px solid var(--line);padding:1rem 0}
ul.sessions li:first-child,ul.passkeys li:first-child{border-top:0;padding-top:0}
ul.sessions h3,ul.passkeys h3{font-size:1rem;margin:0 0 .4rem}
ul.passkeys p{margin:0 0 .6rem}
ul.sessions dl.facts{font-size:.92rem;margin-bottom:.6rem}
ul.events{list-style:none;margin:0 0 1rem;padding:0}
ul.events li{display:flex;flex-direction:column;gap:.15rem;border-top:1px solid var(--line);padding:.6rem 0}
ul.events li:first-child{border-top:0;padding-top:0}
.muted{color:var(--muted);font-size:.92rem}
textarea{width:100%;min-height:6rem;padding:.5rem .75rem;font:.9rem/1.4 ui-monospace,monospace;color:inherit;background:var(--surface);
border:1px solid var(--field);border-radius:.5rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
pre{overflow:auto;background:var(--bg);border:1px solid var(--line);padding:.75rem;border-radius:.5rem;margin:0 0 1rem;white-space:pre-wrap}
details{border-top:1px solid var(--line);padding:.6rem 0}
summary{cursor:pointer;overflow-wrap:anywhere}
.method{display:inline-block;min-width:3.5rem;font-weight:700}
table{border-collapse:collapse;width:100%;margin:0 0 1rem;font-size:.92rem}
caption{text-align:left}
th,td{text-align:left;border-bottom:1px solid var(--line);padding:.3rem .5rem .3rem 0;vertical-align:top}
`;
}
