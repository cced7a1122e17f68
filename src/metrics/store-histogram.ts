/**
 * A prom-client histogram read from the series store at scrape time (every histogram of
 * `/metrics`: request durations, queue waits, wakes).
 * @module
 */
import { Histogram, type Registry as PromRegistry } from "./prom-client.ts";
import type { Buckets } from "./buckets.ts";

/** The label set of a series without labels. */
export const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

type LabelSet = Readonly<Record<string, string>>;
type HistogramSource = () => Iterable<readonly [LabelSet, Buckets]>;

/**
 * A prom-client Histogram whose data lives in `Buckets` objects. prom-client's registry renders
 * a histogram from `getForPromString()`; this one builds the same values (cumulative `_bucket`
 * lines, `+Inf`, `_sum`, `_count`) from the store at scrape time.
 */
export class StoreHistogram extends Histogram<string> {
  // Set by prom-client's Metric constructor; its typings do not declare them.
  declare readonly name: string;
  declare readonly help: string;
  readonly #source: HistogramSource;

  constructor(
    config: { name: string; help: string; labelNames: string[]; registry: PromRegistry },
    source: HistogramSource,
  ) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
    });
    this.#source = source;
  }

  getForPromString() {
    const bucketName = `${this.name}_bucket`;
    const values: Array<
      { labels: object; sharedLabels: LabelSet; value: number; metricName: string }
    > = [];
    for (const [labels, data] of this.#source()) {
      let cumulative = 0;
      for (let i = 0; i < data.bounds.length; i++) {
        cumulative += data.counts[i]!;
        values.push({
          labels: { le: data.bounds[i] },
          sharedLabels: labels,
          value: cumulative,
          metricName: bucketName,
        });
      }
      values.push({
        labels: { le: "+Inf" },
        sharedLabels: labels,
        value: data.count,
        metricName: bucketName,
      });
      values.push({
        labels: {},
        sharedLabels: labels,
        value: data.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: {},
        sharedLabels: labels,
        value: data.count,
        metricName: `${this.name}_count`,
      });
    }
    return { name: this.name, help: this.help, type: "histogram", values, aggregator: "sum" };
  }
}
