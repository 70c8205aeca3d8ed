/**
 * How an alarm reads to a person, in one place for every view that shows one (the clinician panel,
 * the record's timeline, the replay, the FHIR export): the device by what it is and the tooth in the
 * reader's notation, then the server's words. The stored words carry no ids and no tooth numbers
 * (the alarm holds `deviceId` and `tooth` as data), so a view that printed only the words would
 * leave the reader asking "which sensor?".
 */
import { type Alarm, AlarmKind } from "./alarms.ts";
import { ToothNotation, toothNumber } from "./teeth.ts";

/** How the reader names teeth and devices (the panel's `ToothNames`, or `namingIn` a notation). */
export interface AlarmNaming {
  number(fdi: number): string;
  device(tooth: number | null | undefined): string;
}

/**
 * What a clinician calls a device: the sensor on a tooth by its tooth (in the reader's notation),
 * the one device without a tooth by what it is. Internal ids ("soe-julian-36") stay in data.
 */
export function deviceName(tooth: number | null | undefined, notation: ToothNotation): string {
  return tooth === null || tooth === undefined
    ? "Heart-rate wearable"
    : `Sensor at tooth ${toothNumber(tooth, notation)}`;
}

/** A fixed notation as an `AlarmNaming`: for pages and exports that know it up front. */
export function namingIn(notation: ToothNotation = ToothNotation.fdi): AlarmNaming {
  return {
    number: (fdi) => toothNumber(fdi, notation),
    device: (tooth) => deviceName(tooth, notation),
  };
}

/**
 * An alarm as people read it: the device (technical) or tooth (physiological) in the reader's
 * notation, then the server's words: "Sensor at tooth 19: pH unreliable", "Tooth LL6: Enamel at risk".
 */
export function alarmText(alarm: Pick<Alarm, "kind" | "tooth" | "message">, names: AlarmNaming): string {
  if (alarm.kind === AlarmKind.technical) return `${names.device(alarm.tooth)}: ${alarm.message}`;
  return alarm.tooth === undefined ? alarm.message : `Tooth ${names.number(alarm.tooth)}: ${alarm.message}`;
}
