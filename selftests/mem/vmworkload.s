# SPDX-License-Identifier: GPL-2.0
#
# The test VM of vmmigrate.sh: a multiboot kernel (QEMU -kernel) that
# rewrites guest RAM and checks it, forever, with its state in that RAM.
#
# Iteration c (the counter at COUNTER, c = 1, 2, ...) writes c into the
# first and last word of page c mod NPAGES, after checking that both hold
# what iteration c - NPAGES wrote there (0 before the first lap).  A page a
# migration lost or tore therefore fails its check within one lap, and the
# counter goes on from where it stopped only if RAM and CPU state both
# travelled.  Every 256 iterations it prints "hb <counter>" on COM1; a
# failed check prints "BAD page <addr> want <v> got <v>" and halts.
# DELAY (as --defsym) spins between iterations: it sets the dirty rate;
# NPAGES (--defsym, a power of two) the pages rewritten, from 3 MiB on.

	.set	COM1, 0x3f8
	.set	COUNTER, 0x200000
	.set	PAGES, 0x300000
	.ifndef	NPAGES
	.set	NPAGES, 2048		# 8 MiB from PAGES (a power of two)
	.endif
	.set	MB_MAGIC, 0x1badb002

	.code32
	.text
	.globl	_start
	.align	4
multiboot:
	.long	MB_MAGIC
	.long	0
	.long	-MB_MAGIC

_start:
	mov	$0x90000, %esp
	mov	$hello, %esi
	call	puts
next:
	mov	COUNTER, %eax
	inc	%eax
	mov	%eax, %ebx
	and	$(NPAGES - 1), %ebx
	shl	$12, %ebx
	add	$PAGES, %ebx
	mov	%eax, %edx
	sub	$NPAGES, %edx
	jg	1f
	xor	%edx, %edx
1:	mov	(%ebx), %edi
	cmp	%edx, %edi
	jne	bad
	mov	4092(%ebx), %edi
	cmp	%edx, %edi
	jne	bad
	mov	%eax, (%ebx)
	mov	%eax, 4092(%ebx)
	mov	%eax, COUNTER
	test	$0xff, %eax
	jnz	2f
	mov	$hb, %esi
	call	puts
	call	puthex
	mov	$nl, %esi
	call	puts
2:	mov	$DELAY, %ecx
3:	loop	3b
	jmp	next

bad:	push	%edi
	push	%edx
	mov	$badmsg, %esi
	call	puts
	mov	%ebx, %eax
	call	puthex
	mov	$want, %esi
	call	puts
	pop	%eax
	call	puthex
	mov	$got, %esi
	call	puts
	pop	%eax
	call	puthex
	mov	$nl, %esi
	call	puts
	cli
4:	hlt
	jmp	4b

# putc %al on COM1, once its transmitter is empty
putc:	push	%eax
	mov	$(COM1 + 5), %dx
5:	in	%dx, %al
	test	$0x20, %al
	jz	5b
	pop	%eax
	mov	$COM1, %dx
	out	%al, %dx
	ret

# puts: the NUL-terminated string at %esi
puts:	push	%eax
	push	%edx
6:	lodsb
	test	%al, %al
	jz	7f
	call	putc
	jmp	6b
7:	pop	%edx
	pop	%eax
	ret

# puthex: %eax as 8 hex digits
puthex:	push	%eax
	push	%ecx
	push	%edx
	push	%ebx
	mov	%eax, %ebx
	mov	$8, %ecx
8:	rol	$4, %ebx
	mov	%ebx, %eax
	and	$0xf, %eax
	mov	digits(%eax), %al
	call	putc
	loop	8b
	pop	%ebx
	pop	%edx
	pop	%ecx
	pop	%eax
	ret

	.data
hello:	.asciz	"vmworkload: start\n"
hb:	.asciz	"hb "
nl:	.asciz	"\n"
badmsg:	.asciz	"BAD page "
want:	.asciz	" want "
got:	.asciz	" got "
digits:	.ascii	"0123456789abcdef"
