/** The page scripts/buildModels.ts opens: exposes the built-in models' export to the script. */
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { exportBuiltinModelsAsync } from "../client/scene/modelsExport.ts";

declare global {
  interface Window {
    exportModels?: () => Promise<Record<string, string>>;
  }
}

const canvas = document.getElementById("c") as HTMLCanvasElement;
const engine = new Engine(canvas, false, { preserveDrawingBuffer: true });
window.exportModels = () => exportBuiltinModelsAsync(engine);
