export declare function add(a: number, b: number): number;
export declare function shout(text: string): Promise<string>;
export declare const notAFunction: number;
export default function whoAmI(): string;
