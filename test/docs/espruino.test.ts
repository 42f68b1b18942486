// The facts of docs/espruino.md marked "seen", checked on the real Espruino
// 2v29 interpreter built for this PC (stock firmware variant). Each test is
// one fact the project's code relies on; when one fails, the document and the
// code that relies on it need another look.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Interpreter } from '../../tools/espruino/interpreter.ts';

let it: Interpreter;
const run = <T = unknown>(code: string) => it.eval<T>(code);

test.before(async () => {
  it = await Interpreter.start({ variant: 'stock' });
  await it.waitForOutput('>', 20000);
});

test.after(async () => {
  await it.kill();
});

test('memory: 14-byte JsVars; a property name of more than four characters costs one more JsVar', async () => {
  assert.is((await it.memory()).blocksize, 14);
  const perObject = (names: string) =>
    run<number>(
      `(function(){var l=[],n=${JSON.stringify(names)}.split(' '),u=process.memory().usage;` +
        `for(var i=0;i<50;i++){var o={};for(var j=0;j<n.length;j++)o[n[j]]=i+0.5;l.push(o);}` +
        `return (process.memory().usage-u)/50;})()`,
    );
  const short = Math.round(await perObject('r t b'));
  assert.is(Math.round(await perObject('abcd efgh ijkl')), short, 'four characters cost nothing extra');
  assert.is(Math.round(await perObject('abcde fghij klmno')) - short, 3, 'one JsVar more per name');
});

test('memory: fields read through a shared prototype cost a record nothing until written', async () => {
  const r = await run<number[]>(
    `(function(){var D={al:'',r:0,t:0,R:0,m:-1,w:0,f:true,b:-1,cr:0,ct:0,cd:0,cc:-1};` +
      `function per(mk){var l=[],u=process.memory().usage;for(var i=0;i<50;i++)l.push(mk(i));return Math.round((process.memory().usage-u)/50);}` +
      `return [per(function(i){return {al:'',r:i,t:i,R:i,m:-1,w:0,f:true,b:-1,cr:0,ct:0,cd:0,cc:-1};}),` +
      `per(function(i){var h=Object.create(D);h.r=i;h.t=i;return h;})];})()`,
  );
  assert.ok(r[1] + 8 <= r[0], `own fields ${r[0]} JsVars, prototype + 2 fields ${r[1]}`);
});

test('for…in ends at a property deleted under it', async () => {
  assert.is(await run(`(function(){var o={a:1,b:2,c:3},s='';for(var k in o){s+=k;delete o[k];}return s+Object.keys(o).length;})()`), 'a2');
  assert.is(await run(`(function(){var o={a:1,b:2,c:3},s='',k=Object.keys(o);for(var i=0;i<k.length;i++){s+=k[i];delete o[k[i]];}return s;})()`), 'abc');
});

test('timers: clearTimeout(undefined) throws, clearTimeout() clears every timer, clearing a fired one is harmless', async () => {
  assert.match(await run<string>(`(function(){try{clearTimeout(undefined);return 'no';}catch(e){return e.message;}})()`), 'not allowed');
  await run(`global.h5fired=0;setTimeout(function(){h5fired++},20);setTimeout(function(){h5fired++},20);clearTimeout();global.h5t=setTimeout(function(){},1);0`);
  await new Promise((r) => setTimeout(r, 200));
  assert.is(await run('h5fired'), 0);
  assert.is(await run(`(function(){try{clearTimeout(h5t);return 'ok';}catch(e){return String(e);}})()`), 'ok');
});

test('language: var and function declarations do not hoist', async () => {
  assert.is(await run(`(function(){function f(){h5x=1;var h5x;}f();return typeof global.h5x;})()`), 'number', 'the assignment went to a global');
  assert.match(await run<string>(`(function(){try{return g();}catch(e){return String(e);}function g(){return 1;}})()`), 'ReferenceError');
  // a var in one switch case is not declared when another case runs: the assignment there is global
  assert.is(await run(`(function(){function f(k){switch(k){case 1:var h5y=1;return;case 2:h5y=2;}}f(2);return typeof global.h5y;})()`), 'number');
});

test('language: labels fail; a for initialiser may not start with function', async () => {
  const label = await run<string>(
    `(function(){try{return eval("(function(){var i,j;outer: for(i=0;i<3;i++){for(j=0;j<3;j++){break outer;}}return 'ran: '+i;})()");}catch(e){return String(e);}})()`,
  );
  assert.not.ok(label === 'ran: 0', 'a label works: ' + label);
  const init = await run<string>(`(function(){try{eval("for(function(){}(),h5i=0;h5i<1;h5i++){}");return 'ok';}catch(e){return String(e);}})()`);
  assert.match(init, /SyntaxError|expected/);
});

test('language: Array.prototype methods are not reachable, instance methods are; arr.length = 0 throws', async () => {
  assert.equal(await run(`[typeof Array.prototype.slice, typeof [].slice, typeof Object.prototype.hasOwnProperty, typeof Math.imul]`), [
    'undefined',
    'function',
    'function',
    'undefined',
  ]);
  assert.match(await run<string>(`(function(){var a=[1];try{a.length=0;return 'ok';}catch(e){return String(e);}})()`), 'Assignment to a constant');
});

test('strings are 8-bit: one char per byte; a code above 255 keeps its low byte', async () => {
  assert.equal(await run(`["\\u00e9".length, String.fromCharCode(0x2713).charCodeAt(0)]`), [1, 0x13]);
});

test('numbers: integers up to 2^53−1 print exactly, fractions with fewer digits than V8', async () => {
  assert.equal(await run(`[JSON.stringify(9007199254740991), String(0.1+0.2)]`), ['9007199254740991', '0.3']);
});

test('built-ins: E.toUint8Array, E.toString, E.CRC32, btoa/atob, insertion-ordered Object.keys', async () => {
  assert.equal(await run(`[].slice.call(E.toUint8Array("A\\xe9"))`), [65, 233]);
  assert.is(await run(`E.toString(new Uint8Array([72,105]))`), 'Hi');
  assert.is(await run(`(E.CRC32("123456789")>>>0).toString(16)`), 'cbf43926');
  assert.equal(await run(`[btoa("\\x00\\xff"), atob("AP8=").length]`), ['AP8=', 2]);
  assert.is(await run(`Object.keys({ping:1,time:2,report:3,log:4}).join()`), 'ping,time,report,log');
});

test('Storage: read(name, offset, length) gives a slice of the file', async () => {
  assert.is(await run(`(function(){var s=require('Storage');s.write('h5doc','hello world');return s.read('h5doc',6,5);})()`), 'world');
  await run(`require('Storage').erase('h5doc')`);
});

test('Storage: a string read from a file is a view of the flash, gone once the file is erased or rewritten', async () => {
  assert.equal(
    await run(`(function(){var s=require('Storage');s.write('h5a','hello');var r=s.read('h5a'),copy=r+'';s.erase('h5a');return [copy, JSON.stringify(r)];})()`),
    ['hello', 'null'],
  );
  assert.is(await run(`(function(){var s=require('Storage');s.write('h5b','AAAA');var r=s.read('h5b');s.write('h5b','BBBB');var v=JSON.stringify(r);s.erase('h5b');return v;})()`), 'null');
});

test('setTime() moves getTime(), and a timer set after the jump fires on time (host build: board/host/host_board.c)', async () => {
  const r = await run<number[]>(`(function(){var a=getTime();setTime(1000000000);return [a, getTime()];})()`);
  assert.ok(r[0] > 1.6e9, JSON.stringify(r));
  assert.ok(Math.abs(r[1] - 1e9) < 5, JSON.stringify(r));
  assert.is(await run(`(function(){var t=getTime();setTimeout(function(){print("\\x02FIRED"+Math.round((getTime()-t)*10)+"\\x03")},300);return 1;})()`), 1);
  const fired = await it.waitForOutput(/\x02FIRED(\d+)\x03/, 10000);
  assert.ok(Number(/\d+/.exec(fired)![0]) >= 3, fired);
});

test.run();
