/** Text files imported whole, through Vite (`import readme from "../README.md?raw"`). */
declare module "*?raw" {
  const text: string;
  export default text;
}
