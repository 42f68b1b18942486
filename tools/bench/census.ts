// What the gateway's idle JsVars are: a walk on the board from the image's
// E.on('kill') handler through every scope, object and function it reaches,
// counting the functions and the JsVars their definitions hold (the function,
// its code reference (2, the code itself stays in flash), its scope link and
// one per parameter); the names that refer to them come on top. The walk
// leaves a few hundred JsVars behind on the board (seen: about 450 on the
// gateway image): run it after the memory readings.
import type { Board } from './board';

export interface Census {
  functions: number;
  functionVars: number;
  parameters: number;
}

const WALK = `(function(){var seenF=[],seenO=[],vars=0,params=0;
function visit(o,depth){if(depth>14)return;var a=E.getSizeOf(o,1);if(typeof a=="number")return;
a.forEach(function(x){if(x.name=="\\xffcod"||x.name=="prototype"||x.name=="__proto__")return;var v;try{v=o[x.name]}catch(e){return}
if(typeof v=="function"){if(seenF.indexOf(v)>=0)return;seenF.push(v);vars++;
var k=E.getSizeOf(v,1);if(typeof k=="number")k=[];k.forEach(function(c){if(c.name=="\\xffsco")vars++;else if(c.name=="\\xffcod")vars+=c.size;else if(c.name.charCodeAt(0)==255&&c.size==1){vars++;params++;}});
visit(v,depth+1);}
else if(typeof v=="object"&&v!==null&&!(v instanceof ArrayBufferView)){if(seenO.indexOf(v)>=0)return;seenO.push(v);visit(v,depth+1);}});}
visit(E["#onkill"],0);return {functions:seenF.length,functionVars:vars,parameters:params};})()`;

/** The census of the running gateway image, or undefined when the walk fails (no kill handler, out of memory). */
export async function census(board: Board): Promise<Census | undefined> {
  try {
    return await board.eval<Census>(WALK, 120_000);
  } catch {
    return undefined;
  }
}
