/**
 * Every GLSL shader the scenes use, in the page's own bundle. Babylon otherwise imports a shader
 * from the server the first time a material needs it, and a browser remembers a failed module
 * import for the page's life: a server restart at that moment (the patient's "Raise your hand"
 * panel appears exactly then) left those materials black and the console full of "Unable to
 * compile effect" until a reload. Found by the restart e2e test beside a busy CPU.
 *
 * The list is what this app's build split into shader chunks (`ls dist/assets | grep -E
 * 'vertex|fragment'`): the standard and PBR materials, lines, the glow layer, shadows, the
 * geometry buffer, post-processes and environment textures.
 */
import "@babylonjs/core/Shaders/default.vertex";
import "@babylonjs/core/Shaders/default.fragment";
import "@babylonjs/core/Shaders/pbr.vertex";
import "@babylonjs/core/Shaders/pbr.fragment";
import "@babylonjs/core/Shaders/color.vertex";
import "@babylonjs/core/Shaders/color.fragment";
import "@babylonjs/core/Shaders/glowMapGeneration.vertex";
import "@babylonjs/core/Shaders/glowMapGeneration.fragment";
import "@babylonjs/core/Shaders/glowMapMerge.vertex";
import "@babylonjs/core/Shaders/glowMapMerge.fragment";
import "@babylonjs/core/Shaders/glowBlurPostProcess.fragment";
import "@babylonjs/core/Shaders/kernelBlur.vertex";
import "@babylonjs/core/Shaders/kernelBlur.fragment";
import "@babylonjs/core/Shaders/shadowMap.vertex";
import "@babylonjs/core/Shaders/shadowMap.fragment";
import "@babylonjs/core/Shaders/depthBoxBlur.fragment";
import "@babylonjs/core/Shaders/geometry.vertex";
import "@babylonjs/core/Shaders/geometry.fragment";
import "@babylonjs/core/Shaders/postprocess.vertex";
import "@babylonjs/core/Shaders/pass.fragment";
import "@babylonjs/core/Shaders/procedural.vertex";
import "@babylonjs/core/Shaders/rgbdDecode.fragment";
import "@babylonjs/core/Shaders/rgbdEncode.fragment";
import "@babylonjs/core/Shaders/textureProcessor.fragment";
