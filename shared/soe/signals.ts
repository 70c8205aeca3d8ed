/**
 * The signals an SOE (Smart Oral Enhancer) reports, with the physical bounds and rates from
 * ../shared/DOMAIN.md. Plausibility checks, the simulator, the charts and storage all read this table.
 */
export const Signal = {
  ph: "ph",
  temperature: "temperature",
  biteForce: "biteForce",
  plaque: "plaque",
  inflammation: "inflammation",
  heartRate: "heartRate",
} as const;
export type Signal = (typeof Signal)[keyof typeof Signal];
export const SIGNALS = Object.values(Signal);

export interface SignalSpec {
  label: string;
  /** UCUM unit; a reading must carry exactly this unit. */
  unit: string;
  /** Physical range a working sensor can report; outside it a reading is invalid. */
  min: number;
  max: number;
  /** Typical range of a healthy awake patient, for charts and the simulator. */
  normalLow: number;
  normalHigh: number;
  /** Largest plausible change per second given the sensor's response time. */
  maxRatePerSecond: number;
  /** Nominal sample rate (our design assumption, DOMAIN.md). */
  sampleHz: number;
  /** Whether the reading belongs to a tooth (heart rate comes from a paired wearable). */
  perTooth: boolean;
}

export const SIGNAL_SPECS: Readonly<Record<Signal, SignalSpec>> = {
  ph: {
    label: "pH",
    unit: "[pH]",
    min: 3,
    max: 9,
    normalLow: 6.7,
    normalHigh: 7.7,
    maxRatePerSecond: 0.2,
    sampleHz: 1,
    perTooth: true,
  },
  temperature: {
    label: "Temperature",
    unit: "Cel",
    min: 25,
    max: 42,
    normalLow: 33.8,
    normalHigh: 35.2,
    maxRatePerSecond: 0.5,
    sampleHz: 1,
    perTooth: true,
  },
  biteForce: {
    label: "Bite force",
    unit: "N",
    min: 0,
    max: 1200,
    normalLow: 0,
    normalHigh: 850,
    maxRatePerSecond: 20_000,
    sampleHz: 50,
    perTooth: true,
  },
  plaque: {
    label: "Plaque index",
    unit: "{score}",
    min: 0,
    max: 3,
    normalLow: 0,
    normalHigh: 1,
    maxRatePerSecond: 0.01,
    sampleHz: 1,
    perTooth: true,
  },
  inflammation: {
    label: "Gingival inflammation",
    unit: "{score}",
    min: 0,
    max: 3,
    normalLow: 0,
    normalHigh: 1,
    maxRatePerSecond: 0.01,
    sampleHz: 1,
    perTooth: true,
  },
  heartRate: {
    label: "Heart rate",
    unit: "/min",
    min: 25,
    max: 220,
    normalLow: 60,
    normalHigh: 100,
    maxRatePerSecond: 8,
    sampleHz: 1,
    perTooth: false,
  },
};

/** How far a reading can be trusted. */
export const Quality = { valid: "valid", suspect: "suspect", invalid: "invalid" } as const;
export type Quality = (typeof Quality)[keyof typeof Quality];

/** FHIR Observation.status subset: retracted readings are kept, never deleted. */
export const ReadingStatus = { final: "final", enteredInError: "entered-in-error" } as const;
export type ReadingStatus = (typeof ReadingStatus)[keyof typeof ReadingStatus];

/** One raw sample as a device sends it. `t` is the device clock in epoch milliseconds. */
export interface Reading {
  signal: Signal;
  t: number;
  value: number;
  unit: string;
  /** FDI tooth number; absent for signals that are not per tooth. */
  tooth?: number;
}

/** A reading after the server checked it. */
export interface CheckedReading extends Reading {
  deviceId: string;
  quality: Quality;
  /** Plain-words reason when quality is not valid. */
  reason?: string;
  status: ReadingStatus;
  /** Server receive time, epoch ms. */
  receivedAt: number;
}
