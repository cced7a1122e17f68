/** prom-client ships types for its index only; `prom-client.ts` gives each file's export its type. */
declare module "prom-client/lib/*" {
  const value: unknown;
  export default value;
}
